"""Secure headers beyond Django's own, and the client address for the audit trail."""

from django.conf import settings
from django.utils import translation

from banyan.audit.request import reset_ip, set_ip

# Everything is vendored under /static/: no CDN, no inline scripts.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


class SecureHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_ip(client_ip(request))
        try:
            response = self.get_response(request)
        finally:
            reset_ip(token)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Customer data must not linger in shared caches or the browser's back button.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


class ChineseFirstLocaleMiddleware:
    """Simplified Chinese unless the user chose another language (the language switch sets a
    cookie). Unlike Django's LocaleMiddleware the browser's Accept-Language is not consulted: a
    bank's PCs often ship with an English Windows, and the product speaks Chinese first."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        # override, not activate: the thread's language goes back afterwards (a server thread
        # serves the next user, a test its next test).
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
