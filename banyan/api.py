"""API v1 (django-ninja): one NinjaAPI, a router per app, the error shape of API.md."""

from ninja import NinjaAPI

api = NinjaAPI(title="Banyan API", version="1", urls_namespace="api-v1", openapi_url="/openapi.json", docs_url="/docs")
