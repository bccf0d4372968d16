"""Where the kiosk's own files live (the checkout it runs from)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
FONTS = ASSETS / "fonts"
FONT_REGULAR = FONTS / "NotoSansSC-Regular.ttf"
FONT_BOLD = FONTS / "NotoSansSC-Bold.ttf"
CENTER_FILE = ASSETS / "center.toml"
SPEECH = ASSETS / "speech"  # the voice, its phoneme table and the prompts' clips (tools/build_speech.py)
HANDWRITING = ASSETS / "handwriting"  # the 手写 page's recognition model (its README says whose)
