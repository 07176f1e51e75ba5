# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: m_hat
# on: article
# mistake: no_bias_correction
# "m_hat is just m": the correction is left out.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m
    v_hat = v
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
