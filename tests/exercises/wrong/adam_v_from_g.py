# ruff: noqa
# exercise: adam
# status: wrong
# first wrong: v
# on: article
# mistake: v_from_g
# v averages g, not g squared (the line for m copied and only the beta changed). The square
# root is written v_hat ** 0.5, which gives a complex number instead of an error when a
# random set makes v negative, so every value comes back and v is named on the article's
# first step (adam_v_from_g_crash.py is the same slip with math.sqrt).
import math


def adam_step(w, g, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (v_hat**0.5 + eps)
    w = w - update
    return {"m": m, "v": v, "m_hat": m_hat, "v_hat": v_hat, "update": update, "w": w}
