# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: update
# on: article
# mistake: no_bias_correction
# m_hat and v_hat computed right, then the update uses m and v anyway.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m / (math.sqrt(v) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
