"""gunicorn settings for Banyan behind nginx (docs/deployment.md).

    gunicorn --config /opt/banyan/deploy/gunicorn.conf.py

Under systemd (banyan-web.socket) gunicorn takes the socket systemd opened and `bind` is unused;
run by hand it binds BANYAN_BIND. Everything else comes from the environment file.
"""

import multiprocessing
import os

# The Django app wrapped so that the manager's own address (X-Forwarded-For from nginx), not the
# proxy's, reaches the audit trail and the login throttle (banyan/ops/proxy.py).
wsgi_app = "banyan.ops.proxy:application"

bind = os.environ.get("BANYAN_BIND", "127.0.0.1:8000")

# Threads: most of a request is waiting on the database. Processes: one per core and a spare
# (each holds its own connections: workers x threads per web server, see max_connections).
workers = int(os.environ.get("BANYAN_WORKERS") or multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("BANYAN_THREADS") or 4)
worker_class = "gthread"

# The web's database sessions without PostgreSQL's parallel query (banyan/settings.py says why);
# set BANYAN_DB_PARALLEL_WORKERS in the environment file to choose otherwise.
os.environ.setdefault("BANYAN_DB_PARALLEL_WORKERS", "0")

# A request that has not answered in 2 minutes is stuck: the worker is replaced. Large feed
# uploads are buffered by nginx first and handed to Celery, so no request needs longer.
timeout = 120
graceful_timeout = 30  # on restart, requests in flight get this long to finish
keepalive = 5  # nginx keeps connections to us open (upstream keepalive)

# Recycle workers now and then, so a slow leak never becomes an outage; jitter avoids all at once.
max_requests = 2000
max_requests_jitter = 200

# X-Forwarded-Proto is believed only from our own proxy (Django reads it when BANYAN_HTTPS=1).
forwarded_allow_ips = os.environ.get("BANYAN_TRUSTED_PROXIES", "127.0.0.1,::1")

# Logs to stdout/stderr (journald). The path without the query string: searches carry customers'
# names and ID numbers, which must not end up in log files. The client is the PC behind nginx.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("BANYAN_GUNICORN_LOG_LEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms "%(a)s"'

# No control socket in the service user's home (ProtectHome in the unit); systemctl is the control.
control_socket_disable = True
proc_name = "banyan-web"
