"""Secure headers beyond Django's own, and the client address for the audit trail."""

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
