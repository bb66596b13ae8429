#!/usr/bin/env python3
"""moto's server (`python -m moto.server`), where an account that Organizations' CreateAccount
creates gets the id XACCT_MOTO_ACCOUNT_IDS names for its account name
(`NAME=ID,NAME=ID`) instead of a random one.

The field guides' organizations are made of fixed accounts (222222222222 in the unit
`analytics`), and moto has no way to invite an existing account into an organization: only
CreateAccount adds members, with an id it draws. The end-to-end tests of `xacct collect` start
this wrapper so that the seeded organization has the example's accounts.

Lake Formation's GetResourceLFTags fails (HTTP 500, a KeyError) in moto for a database, table
or column that has no LF-Tags, where AWS answers with no tags: the wrapper gives such
resources no tags.

S3 Control's XML answers are wrapped in `<OperationResponse>` by moto, where AWS's root element
is the output shape's name (`<ListAccessPointsResult>`); the AWS SDK for Rust checks the root
and refuses moto's. The wrapper names the root as AWS does for S3 Control. Everything else is
moto as released.
"""

import collections
import os

from moto.core import serialize
from moto.lakeformation import models as lakeformation
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

_lake_init = lakeformation.LakeFormationBackend.__init__


def _lake(self, *args, **kwargs):
    _lake_init(self, *args, **kwargs)
    self.lf_database_tags = collections.defaultdict(list, self.lf_database_tags)
    self.lf_table_tags = collections.defaultdict(list, self.lf_table_tags)


lakeformation.LakeFormationBackend.__init__ = _lake

_xml_result = serialize.BaseXMLSerializer._serialized_result_to_response


def _s3control_root(self, resp, result, shape, serialized_result):
    if (
        self.operation_model.service_model.service_name == "s3control"
        and shape is not None
        and "payload" not in shape.serialization
    ):
        wrapper = {shape.name: serialized_result}
        self._serialize_namespace_attribute(wrapper[shape.name])
        resp["body"] = self._serialize_body(wrapper)
        resp["headers"]["Content-Type"] = self.CONTENT_TYPE
        return resp
    return _xml_result(self, resp, result, shape, serialized_result)


serialize.BaseXMLSerializer._serialized_result_to_response = _s3control_root


if __name__ == "__main__":
    main()
