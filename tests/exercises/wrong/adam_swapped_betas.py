# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: m
# on: article
# mistake: swapped_betas
# beta1 and beta2 swapped everywhere: beta2 for the momentum, beta1 for v.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta2 * m + (1 - beta2) * g
    v = beta1 * v + (1 - beta1) * g**2
    m_hat = m / (1 - beta2**t)
    v_hat = v / (1 - beta1**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
