"""gunicorn's settings for Hanjari, read from the folder gunicorn is started in (README: Production).

``preload_app``: the master builds the app once and forks the workers from it, instead of every
worker importing and building it again — the start costs one app's imports instead of one per
worker competing for the same cores, the workers share that memory, and a wrong setting stops
the master with its one line (``core.startup``) instead of once per worker. It also means that
new code needs a restart of gunicorn, not a HUP.
"""

preload_app = True
