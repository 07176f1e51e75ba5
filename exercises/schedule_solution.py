"""A worked solution: warmup, then cosine decay."""

import math


def lr_at(step, warmup, total, lr_max, lr_min):
    # Warmup: a straight line from 0 at step 0 towards lr_max at step `warmup`.
    if step < warmup:
        return lr_max * step / warmup
    # After the run the rate stays at its floor.
    if step > total:
        return lr_min
    # Cosine decay: t steps since warmup ended, T steps from there to the end.
    t = step - warmup
    T = total - warmup
    # Half the drop from the peak to the floor; 1 + cos(…) goes from 2 to 0.
    half_drop = 0.5 * (lr_max - lr_min)
    return lr_min + half_drop * (1 + math.cos(math.pi * t / T))
