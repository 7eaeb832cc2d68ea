"""Ships the top-level resources/ folder as the package `ganpaint.resources`.

Everything else lives in pyproject.toml; only this mapping needs code, because
package discovery cannot combine found packages with a renamed folder.
"""

from setuptools import find_packages, setup

PACKAGES = find_packages(include=["ganpaint", "ganpaint.*", "trainer", "trainer.*"])

setup(
    packages=[*PACKAGES, "ganpaint.resources"],
    package_dir={"ganpaint.resources": "resources"},
)
