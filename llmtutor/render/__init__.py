"""Rich renderables for lesson content, shared by the Textual screens and `--plain`.

They format what the engine computed; they compute nothing themselves.
"""

from llmtutor.render.chart import render_chart
from llmtutor.render.diagram import DIAGRAMS, draw_diagram
from llmtutor.render.equations import equation_text, equations
from llmtutor.render.values import values_table

__all__ = [
    "DIAGRAMS",
    "draw_diagram",
    "equation_text",
    "equations",
    "render_chart",
    "values_table",
]
