# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: m_hat
# on: article
# mistake: t_from_0
# "Steps count from 0, so this is step t + 1."
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1 ** (t + 1))
    v_hat = v / (1 - beta2 ** (t + 1))
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
