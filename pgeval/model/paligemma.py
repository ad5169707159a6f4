"""PaliGemma: SigLIP image tokens, then text, through Gemma with a prefix-LM attention mask.

The sequence is `[image tokens][BOS prefix "\\n"][suffix ...]`; an example with several images (two
photos, a video's frames) carries each image's tokens in turn, as big_vision's video and
two-image transfers feed them. Tokens whose autoregressive flag is
0 (image, prefix, separator) attend to each other fully; suffix tokens (flag 1) attend causally.
Positions count only real tokens, so padding never shifts them.
"""

from __future__ import annotations

import flax.linen as nn
import jax
import jax.numpy as jnp

from pgeval.model.config import PaliGemmaConfig
from pgeval.model.gemma import AttentionMasks, Gemma, KVCache
from pgeval.model.siglip import SigLip


def positions_from_mask(input_mask: jax.Array) -> jax.Array:
    """0, 1, 2, ... over real tokens (padding repeats its neighbour's position; it is masked)."""
    return jnp.cumsum(input_mask.astype(jnp.int32), axis=-1) - 1


def prefix_lm_masks(input_mask: jax.Array, ar_mask: jax.Array, positions: jax.Array,
                    sliding_window: int | None = None) -> AttentionMasks:
    """Attention masks (batch, queries, keys) for a whole sequence.

    A query sees a key when both are real tokens and the key's count of autoregressive flags so
    far is not larger than the query's. On sliding-window layers, a query also needs the key
    within `sliding_window` positions, unless both belong to the bidirectional prefix.
    """
    groups = jnp.cumsum(ar_mask.astype(jnp.int32), axis=-1)
    real = input_mask.astype(bool)
    full = (groups[:, None, :] <= groups[:, :, None]) & real[:, None, :] & real[:, :, None]
    if not sliding_window:
        return AttentionMasks(full)
    prefix = groups == 0
    near = (positions[:, :, None] - positions[:, None, :]) < sliding_window
    return AttentionMasks(full, full & (near | (prefix[:, :, None] & prefix[:, None, :])))


class PaliGemma(nn.Module):
    """The whole model. Its methods are the steps inference composes: embed_image, embed_text,
    decode (hidden states, optionally through a KV cache) and logits."""

    cfg: PaliGemmaConfig
    dtype: jnp.dtype = jnp.float32

    def setup(self) -> None:
        self.img = SigLip(self.cfg.vision, self.cfg.text.width, self.dtype)
        self.llm = Gemma(self.cfg.text, self.dtype)

    def embed_image(self, images: jax.Array) -> jax.Array:
        """(B, R, R, 3) images, or (B, K, R, R, 3) for K images per example -> (B, K x N, width):
        every image is encoded alone and their tokens are concatenated in order."""
        if images.ndim == 4:
            return self.img(images)
        b, k = images.shape[:2]
        tokens = self.img(images.reshape(b * k, *images.shape[2:]))
        return tokens.reshape(b, k * tokens.shape[1], tokens.shape[2])

    def embed_text(self, tokens: jax.Array) -> jax.Array:
        return self.llm.embed(tokens)

    def decode(self, x: jax.Array, positions: jax.Array, masks: AttentionMasks,
               cache: KVCache | None = None, cache_index: jax.Array | None = None
               ) -> tuple[jax.Array, KVCache | None]:
        return self.llm(x, positions, masks, cache, cache_index)

    def logits(self, hidden: jax.Array) -> jax.Array:
        return self.llm.logits(hidden)

    def next_logits(self, hidden: jax.Array) -> jax.Array:
        return self.llm.next_logits(hidden)

    def prefix_inputs(self, image_tokens: jax.Array, tokens: jax.Array, input_mask: jax.Array,
                      ar_mask: jax.Array) -> tuple[jax.Array, jax.Array, AttentionMasks]:
        """The decoder's input for `[image tokens][tokens]`: embeddings, positions and masks
        (image tokens always valid and in the prefix)."""
        n, b = image_tokens.shape[1], tokens.shape[0]
        x = jnp.concatenate([image_tokens.astype(self.dtype), self.embed_text(tokens)], axis=1)
        input_mask = jnp.concatenate([jnp.ones((b, n), bool), input_mask.astype(bool)], axis=1)
        ar_mask = jnp.concatenate([jnp.zeros((b, n), bool), ar_mask.astype(bool)], axis=1)
        positions = positions_from_mask(input_mask)
        return x, positions, prefix_lm_masks(input_mask, ar_mask, positions,
                                             self.cfg.text.sliding_window)

    def _forward(self, images: jax.Array, tokens: jax.Array, input_mask: jax.Array,
                 ar_mask: jax.Array) -> tuple[jax.Array, int]:
        """Final hidden states of every position of `[image][tokens]`, and the image token count."""
        img = self.embed_image(images)
        hidden, _ = self.decode(*self.prefix_inputs(img, tokens, input_mask, ar_mask))
        return hidden, img.shape[1]

    def sequence_logits(self, images: jax.Array, tokens: jax.Array, input_mask: jax.Array,
                        ar_mask: jax.Array) -> jax.Array:
        """Logits at every position of `[image][tokens]`, image tokens included,
        (batch, image tokens + text length, vocab)."""
        hidden, _ = self._forward(images, tokens, input_mask, ar_mask)
        return self.logits(hidden)

    def __call__(self, images: jax.Array, tokens: jax.Array, input_mask: jax.Array,
                 ar_mask: jax.Array) -> jax.Array:
        """Logits at every text position of `[image][tokens]`, (batch, text length, vocab)."""
        hidden, n = self._forward(images, tokens, input_mask, ar_mask)
        return self.logits(hidden[:, n:])
