"""The sandbox exchange: a small matching engine and rebate ledger served over loopback HTTP.

It is the load target of `loadtests/*_locustfile.py` and the subject of its own test suite.
Modules: `book` (the price-time-priority order book), `ledger` (maker rebates and the freeze
switch), `app` (the WSGI JSON API, documented there), `server` (gevent's WSGIServer, loopback
only, clean shutdown). Run it with `python -m sandbox --port 8700` from `loadtests/`.
"""
