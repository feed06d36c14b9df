"""gunicorn's settings for Hanjari, read from the folder gunicorn is started in (README: Production).

``preload_app``: the master builds the app once and forks the workers from it, instead of every
worker importing and building it again — the start costs one app's imports instead of one per
worker competing for the same cores, the workers share that memory, and a wrong setting stops
the master with its one line (``core.startup``) instead of once per worker. It also means that
new code needs a restart of gunicorn, not a HUP.
"""

preload_app = True

# No "Server: gunicorn/<version>" banner: it tells a scanner which software and version to try.
# gunicorn always writes the header, so its list of default headers is filtered.
import gunicorn.http.wsgi as _wsgi  # noqa: E402

_default_headers = _wsgi.Response.default_headers


def _without_server_banner(self):
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


_wsgi.Response.default_headers = _without_server_banner
