"""What pyproject.toml cannot say: the top-level ``schemas/`` folder (the one source of the
JSON Schemas and the pinned JSON-LD contexts) ships inside the ``service`` package as
``service/schemas/``, so an installed Tessera finds it with importlib.resources
(``service.contexts.SCHEMAS_DIR``). Everything else about the package is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["service", "service.*", "cli", "cli.*"]),
        "service.schemas",
        "service.schemas.contexts",
    ],
    package_dir={"service.schemas": "schemas"},
)
