"""One module per journey: the reader's map, side by side, presentation, the editor.

Each has a ``page(...)`` function that ``app.py`` registers with ``st.navigation``.
"""
