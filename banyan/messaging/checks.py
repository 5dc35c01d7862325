"""A system check: a gateway class named in the environment must import, or `banyan serve` says so
at start-up instead of the first message failing."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register()
def gateways_import(app_configs, **kwargs):
    from banyan.messaging.gateways import DEFAULT_GATEWAYS, gateway_for

    errors = []
    for channel in DEFAULT_GATEWAYS:
        try:
            gateway_for(channel)
        except (ImproperlyConfigured, TypeError) as e:
            errors.append(checks.Error(str(e), hint="Name a class with the Gateway interface, e.g. "
                                       "mybank.sms.PlatformGateway.", id="messaging.E001"))
    return errors
