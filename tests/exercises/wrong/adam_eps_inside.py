# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: update
# on: random
# mistake: eps_inside
# eps inside the square root. With the article's eps = 1e-8 the update is the same to
# 8 digits, so only a random set with a large eps shows it.
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / math.sqrt(v_hat + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
