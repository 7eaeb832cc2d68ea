"""Ships the top-level resources/ folder as the package `ganpaint.resources`.

Everything else lives in pyproject.toml; only this mapping needs code, because
package discovery cannot combine found packages with a renamed folder. Every
subfolder of resources/ (models, samples, icons, ...) is listed as a package of
its own with all its files as data, so new resource folders ship without edits.
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
RESOURCES = HERE / "resources"

PACKAGES = find_packages(include=["ganpaint", "ganpaint.*", "trainer", "trainer.*"])
RESOURCE_PACKAGES = ["ganpaint.resources"] + [
    "ganpaint.resources." + ".".join(folder.relative_to(RESOURCES).parts)
    for folder in sorted(RESOURCES.rglob("*"))
    if folder.is_dir() and "__pycache__" not in folder.parts
]

setup(
    packages=[*PACKAGES, *RESOURCE_PACKAGES],
    package_dir={"ganpaint.resources": "resources"},
    package_data={package: ["*"] for package in RESOURCE_PACKAGES},
    exclude_package_data={package: ["*.pyc"] for package in RESOURCE_PACKAGES},
)
