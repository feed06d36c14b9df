"""Request and response schemas of the JSON API (marshmallow; the OpenAPI document is made
from them), one module per resource beside what they share (:mod:`api.schemas.base`). Messages
are Korean. Checks that the web forms also make are not written here again: the schemas call
:mod:`cases.validation` and use its limits.
"""
