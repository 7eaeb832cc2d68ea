"""What the app remembers between sessions, on QSettings, behind typed accessors.

Stored as an INI file in the user's configuration folder (`ganpaint/ganpaint.ini`),
so it is readable and the same on every platform. Values are validated when read:
a hand-edited or old settings file never breaks the app.
"""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings

from ganpaint.documents.display import MASK_COLOURS
from ganpaint.session.inpainting import METHOD_NAMES
from ganpaint.session.tools import DEFAULT_SIZES

MAX_RECENT = 10
MIN_BRUSH, MAX_BRUSH = 1, 1000


class Settings:
    """Typed access to the app's QSettings."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings(
            QSettings.Format.IniFormat, QSettings.Scope.UserScope, "ganpaint", "ganpaint"
        )

    def _get(self, key: str, default: object) -> object:
        value = self.store.value(key, default)
        return default if value is None else value

    # -- brushes ----------------------------------------------------------------------

    def brush_size(self, tool: str) -> float:
        default = DEFAULT_SIZES.get(tool, 20.0)
        try:
            value = float(self._get(f"brush/{tool}", default))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            value = default
        return float(min(max(value, MIN_BRUSH), MAX_BRUSH))

    def set_brush_size(self, tool: str, size: float) -> None:
        self.store.setValue(f"brush/{tool}", float(size))

    def colour(self) -> tuple[int, int, int]:
        text = str(self._get("brush/colour", "#3a7d2c"))
        if len(text) == 7 and text.startswith("#"):
            try:
                return (int(text[1:3], 16), int(text[3:5], 16), int(text[5:7], 16))
            except ValueError:
                pass
        return (58, 125, 44)

    def set_colour(self, rgb: tuple[int, int, int]) -> None:
        self.store.setValue("brush/colour", "#{:02x}{:02x}{:02x}".format(*rgb))

    def mask_colour(self) -> str:
        """The name of the colour the mask is drawn in (red unless the user chose)."""
        value = str(self._get("view/mask_colour", "red"))
        return value if value in MASK_COLOURS else "red"

    def set_mask_colour(self, name: str) -> None:
        self.store.setValue("view/mask_colour", name)

    def tool(self) -> str:
        return str(self._get("brush/tool", "mask_brush"))

    def set_tool(self, name: str) -> None:
        self.store.setValue("brush/tool", name)

    # -- files ------------------------------------------------------------------------

    def recent_files(self) -> list[str]:
        value = self._get("files/recent", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value if v][:MAX_RECENT]  # type: ignore[union-attr]

    def add_recent(self, path: str) -> None:
        files = [path, *(p for p in self.recent_files() if p != path)]
        self.store.setValue("files/recent", files[:MAX_RECENT])

    def remove_recent(self, path: str) -> None:
        self.store.setValue("files/recent", [p for p in self.recent_files() if p != path])

    def last_dir(self) -> str:
        return str(self._get("files/last_dir", ""))

    def set_last_dir(self, folder: str) -> None:
        self.store.setValue("files/last_dir", folder)

    # -- model and device -------------------------------------------------------------

    def model(self) -> str:
        return str(self._get("model/path", ""))

    def set_model(self, path: str) -> None:
        self.store.setValue("model/path", path)

    def action_model(self, purpose: str) -> str:
        """The model file last chosen for an action ("translate", "sketch", ...)."""
        return str(self._get(f"models/{purpose}", ""))

    def set_action_model(self, purpose: str, path: str) -> None:
        self.store.setValue(f"models/{purpose}", path)

    def device(self) -> str:
        return str(self._get("model/device", "auto"))

    def set_device(self, device: str) -> None:
        self.store.setValue("model/device", device)

    def candidates(self) -> int:
        try:
            return min(max(int(self._get("inpaint/candidates", 4)), 1), 8)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return 4

    def set_candidates(self, count: int) -> None:
        self.store.setValue("inpaint/candidates", int(count))

    def fit_to_photo(self) -> bool:
        """Tune the GAN on the photo around each hole (on unless the user turned it off)."""
        value = self._get("inpaint/fit", True)
        if isinstance(value, str):  # INI files give strings back
            return value.strip().lower() not in ("false", "0", "no", "off")
        return bool(value)

    def set_fit_to_photo(self, on: bool) -> None:
        self.store.setValue("inpaint/fit", bool(on))

    def inpaint_method(self) -> str:
        """The inpainting method last chosen in the panel ("gan" at first)."""
        value = str(self._get("inpaint/method", "gan"))
        return value if value in METHOD_NAMES else "gan"

    def set_inpaint_method(self, method: str) -> None:
        self.store.setValue("inpaint/method", method)

    def note_shown(self, key: str) -> bool:
        """Whether a once-only note (e.g. what the bundled GAN knows) was shown."""
        value = self._get(f"notes/{key}", False)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes", "on")
        return bool(value)

    def set_note_shown(self, key: str) -> None:
        self.store.setValue(f"notes/{key}", True)

    # -- window -----------------------------------------------------------------------

    def geometry(self) -> QByteArray | None:
        value = self.store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.store.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    def sync(self) -> None:
        self.store.sync()
