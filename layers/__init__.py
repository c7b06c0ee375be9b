"""The front-line map's library: data contract, snapshots, areas, storage, map building.

Nothing here imports streamlit; ``app.py`` wires these functions to widgets.
"""
