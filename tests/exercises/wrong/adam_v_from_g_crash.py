# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: v
# on: article
# mistake: v_from_g
# v averages g, not g squared, with math.sqrt: v is already wrong on the article's first
# step, and on random input sets with a negative g, v (and v_hat) go negative and
# math.sqrt raises "math domain error". All calls run in one process and the crash stops
# them, but the values returned before it are checked first: the wrong v on the article's
# inputs is reported, with a note that the code raised after that.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
