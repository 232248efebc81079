"""Builds the bertc package for pip / python -m build (no network: --no-build-isolation).

Its extension module, bertc._bertc, is the CMake target bertc_python, built in the project's
build folder — BERTC_BUILD_DIR, default the repository's build/ that tools/setup.sh makes, so an
install after the set-up only copies it — and packaged with bertc/*.py by setuptools."""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import sysconfig

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent


def project_version():
    text = (ROOT / "CMakeLists.txt").read_text()
    return re.search(r"project\(bertc VERSION ([0-9.]+)", text).group(1)


class CMakeBuild(build_ext):
    """Builds bertc_python with CMake and copies the module where setuptools packs it."""

    def build_extension(self, ext):
        build = pathlib.Path(os.environ.get("BERTC_BUILD_DIR", ROOT / "build")).resolve()
        if not (build / "CMakeCache.txt").exists():
            subprocess.run(["cmake", "-S", str(ROOT), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                            f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "bertc_python", "-j", str(os.cpu_count() or 1)],
                       check=True)
        name = "_bertc" + sysconfig.get_config_var("EXT_SUFFIX")
        built = build / "python" / "bertc" / name
        if not built.exists():
            found = sorted(p.name for p in (build / "python" / "bertc").glob("_bertc*.so"))
            sys.exit(f"bertc: {build} builds the module for another Python ({', '.join(found) or 'none'}), "
                     f"not {name} for {sys.executable}: set BERTC_BUILD_DIR to a new folder to build one for it")
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(
    version=project_version(),
    packages=["bertc"],
    package_data={"bertc": ["py.typed", "*.pyi"]},
    ext_modules=[Extension("bertc._bertc", sources=[])],
    cmdclass={"build_ext": CMakeBuild},
    zip_safe=False,
)
