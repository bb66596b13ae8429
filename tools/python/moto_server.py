#!/usr/bin/env python3
"""moto's server (`python -m moto.server`), where an account that Organizations' CreateAccount
creates gets the id XACCT_MOTO_ACCOUNT_IDS names for its account name
(`NAME=ID,NAME=ID`) instead of a random one.

The field guides' organizations are made of fixed accounts (222222222222 in the unit
`analytics`), and moto has no way to invite an existing account into an organization: only
CreateAccount adds members, with an id it draws. The end-to-end tests of `xacct collect` start
this wrapper so that the seeded organization has the example's accounts. Everything else is
moto as released.
"""

import os

from moto.organizations import models
from moto.server import main

_IDS = dict(
    item.split("=", 1)
    for item in os.environ.get("XACCT_MOTO_ACCOUNT_IDS", "").split(",")
    if "=" in item
)
_create = models.FakeAccount.__init__


def _account(self, organization, **kwargs):
    _create(self, organization, **kwargs)
    self.id = _IDS.get(kwargs.get("AccountName"), self.id)


models.FakeAccount.__init__ = _account

if __name__ == "__main__":
    main()
