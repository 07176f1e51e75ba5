"""The few styles lesson content uses, named for what they mean."""

NEW = "bold yellow"  # a value revealed by the current step
VALUE = "bold"
SYMBOL = "bold cyan"
DIM = "dim"
NOTE = "italic green"
PENDING = "dim"  # a slot whose value is not revealed yet
GRADIENT = "bold magenta"  # gradients flowing backwards through a diagram
CHANGED = "bold magenta"  # a value the learner's own inputs changed from the defaults
RIGHT = "bold green"  # a learner's value that matches the engine's
WRONG = "bold red"  # one that does not
HEADING = "italic underline"  # the part of a computation the values under it belong to
