# ruff: noqa
# exercise: adamw
# status: wrong
# first wrong: decay
# on: article
# mistake: none
# A slip the engine does not know: the decay made of the L2 term λ·w²/2 itself
# instead of its gradient λ·w.
import math


def adamw_step(w, g, m, v, t, lr, beta1, beta2, eps, weight_decay):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    update = lr * m_hat / (math.sqrt(v_hat) + eps)
    decay = lr * weight_decay * w**2 / 2
    w = w - update - decay
    return {
        "m": m,
        "v": v,
        "m_hat": m_hat,
        "v_hat": v_hat,
        "update": update,
        "decay": decay,
        "w": w,
    }
