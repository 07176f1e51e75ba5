# ruff: noqa
# exercise: schedule
# status: wrong
# first wrong: lr_at(step=2000)
# on: article
# mistake: cosine_whole_run
# The cosine runs over step / total, from step 0, not over the steps since warmup: at the
# end of warmup it has already come down a little from lr_max.
import math


def lr_at(step, warmup, total, lr_max, lr_min):
    if step < warmup:
        return lr_max * step / warmup
    progress = step / total
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * progress))
