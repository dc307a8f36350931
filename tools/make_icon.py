"""Draw the application icon: resources/icons/tawasul.png (256 px) and tawasul.ico (Windows).

    python tools/make_icon.py

A green rounded square (the colour of the interface's primary buttons) with a white speech
bubble holding three dots: "Tawasul" means communication. Drawn with Pillow (a dependency of
ReportLab, so always installed); the outputs are committed, so a build needs no drawing.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ICONS = ROOT / "resources" / "icons"
GREEN = (11, 122, 95, 255)
WHITE = (255, 255, 255, 255)
SIZE = 1024  # drawn large, then scaled down smoothly


def draw() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((32, 32, SIZE - 32, SIZE - 32), radius=200, fill=GREEN)
    bubble = (200, 230, SIZE - 200, 690)
    pen.rounded_rectangle(bubble, radius=150, fill=WHITE)
    # the bubble's tail, on the right as an Arabic reader's eye ends there
    pen.polygon([(610, 660), (800, 660), (760, 830)], fill=WHITE)
    for x in (360, 512, 664):
        pen.ellipse((x - 52, 460 - 52, x + 52, 460 + 52), fill=GREEN)
    return image


def main() -> None:
    ICONS.mkdir(parents=True, exist_ok=True)
    big = draw()
    big.resize((256, 256), Image.Resampling.LANCZOS).save(ICONS / "tawasul.png", optimize=True)
    big.resize((256, 256), Image.Resampling.LANCZOS).save(
        ICONS / "tawasul.ico", sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64),
                                      (128, 128), (256, 256)])
    print(f"wrote {ICONS / 'tawasul.png'} and {ICONS / 'tawasul.ico'}")


if __name__ == "__main__":
    main()
