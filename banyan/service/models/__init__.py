"""The service app's models, one module per capability (complaints, referrals, groups); each is
imported here so that Django finds them."""

from banyan.service.models.complaints import *  # noqa: F403
from banyan.service.models.groups import *  # noqa: F403
from banyan.service.models.referrals import *  # noqa: F403
