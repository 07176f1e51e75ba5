"""Exercise: a learning-rate schedule, warmup then cosine decay.

A run has `total` steps. For the first `warmup` steps the rate ramps up in a
straight line from 0 to lr_max (linear warmup). From step `warmup` on, it
follows a cosine from lr_max down to lr_min (cosine decay), reaching lr_min
at step `total`. lr_min is a rate, not a fraction of lr_max.

math.cos(x) is the cosine, math.pi is π.
Return the learning rate at `step`, as a number.
Save as often as you like: each save is checked.
"""

import math


def lr_at(step, warmup, total, lr_max, lr_min):
    # TODO: during warmup (step < warmup): the straight ramp
    # TODO: after warmup: the cosine decay, counting steps from the end of warmup
    return None
