"""Speed and scale of the app on the real archives, run on demand (``benchmarks/README.md``).

The commands are ``python -m benchmarks.run`` (every target, one table),
``python -m benchmarks.load`` (many readers on one server), ``python -m benchmarks.timeline``
(the client-side reader), ``python -m benchmarks.site`` (the published static site),
``benchmarks/import_archive.py`` and ``benchmarks/areas.py``; ``python -m benchmarks.browser
run app.py`` is the timed Streamlit server they start. Nothing is imported here: that
server pays for none of the benchmarks' helpers.
"""
