"""The Streamlit side of the app: one module per page (``pages/``), the panels and widgets
they share, the cached reads (``appdata``) and the map component (``mapcomponent``).

Everything here is wiring: geometry, dates, storage and map building live in the
``layers`` library, which never imports streamlit.
"""
