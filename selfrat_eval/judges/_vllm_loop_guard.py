"""The loop guard inside vLLM: a logits processor (vLLM's v1 interface), imported only with vLLM."""

from __future__ import annotations

from typing import Any

from vllm.v1.sample.logits_processor import AdapterLogitsProcessor

from selfrat_eval.judges._finish import LoopWatch

#: The `SamplingParams.extra_args` key that turns the loop guard on for a request.
LOOP_GUARD_ARG = "selfrat_loop_guard"


class LoopGuardProcessor(AdapterLogitsProcessor):
    """Ends a request caught in a loop (`judges._finish`'s rule) by allowing only its end-of-text
    token next; requests that do not ask for it (`extra_args`) are left alone."""

    def __init__(self, vllm_config: Any, device: Any, is_pin_memory: bool) -> None:
        super().__init__(vllm_config, device, is_pin_memory)
        from transformers import AutoTokenizer

        model = vllm_config.model_config
        self._tokenizer = AutoTokenizer.from_pretrained(model.tokenizer, revision=model.tokenizer_revision)
        self._eos = self._tokenizer.eos_token_id

    def is_argmax_invariant(self) -> bool:
        return False

    def new_req_logits_processor(self, params: Any) -> Any:
        if not (params.extra_args or {}).get(LOOP_GUARD_ARG):
            return None
        watch = LoopWatch()
        looping = False

        def guard(output_ids: list[int], logits: Any) -> Any:
            nonlocal looping
            looping = looping or (
                bool(output_ids)
                and watch.update(str(self._tokenizer.decode(output_ids, skip_special_tokens=True)))
                is not None
            )
            if looping:
                logits.fill_(float("-inf"))
                logits[self._eos] = 0.0
            return logits

        return guard
