"""The front-line map's library: data contract, snapshots, areas, storage, map building.

Nothing here imports streamlit: the app's pages (``views/``) and the command line
(``python -m layers``) call these modules. Import the module you need
(``from layers import areas``); this package itself exports nothing.
"""

__all__: list[str] = []
