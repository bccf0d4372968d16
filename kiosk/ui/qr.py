"""A QR code drawn crisp: one texel per module, scaled with nearest-neighbour
filtering, straight from the code's matrix (no PNG round trip)."""
from kivy.graphics import Color, Rectangle
from kivy.graphics.texture import Texture
from kivy.properties import StringProperty
from kivy.uix.widget import Widget

from kiosk.receipt import qr_matrix


class QRCode(Widget):
    data = StringProperty()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._texture = None
        self.bind(pos=self._redraw, size=self._redraw)

    def on_data(self, *_args) -> None:
        matrix = qr_matrix(self.data) if self.data else [[False]]
        n = len(matrix)
        # Rows bottom-up: textures start at the bottom left.
        pixels = bytes(0 if dark else 255 for row in reversed(matrix) for dark in row)
        texture = Texture.create(size=(n, n), colorfmt="luminance")
        texture.blit_buffer(pixels, colorfmt="luminance", bufferfmt="ubyte")
        texture.mag_filter = texture.min_filter = "nearest"
        self._texture = texture
        self._redraw()

    def _redraw(self, *_args) -> None:
        self.canvas.clear()
        if self._texture is None:
            return
        side = min(self.width, self.height)
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=self._texture, size=(side, side),
                      pos=(self.center_x - side / 2, self.center_y - side / 2))
