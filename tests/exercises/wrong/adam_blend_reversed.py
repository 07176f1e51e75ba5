# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: m
# on: article
# mistake: blend_reversed
# beta weighs the new gradient instead of the old average.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = (1 - beta1) * m + beta1 * g
    v = (1 - beta2) * v + beta2 * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
