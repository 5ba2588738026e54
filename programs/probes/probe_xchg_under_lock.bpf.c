// SPDX-License-Identifier: GPL-2.0
/* Capability probe for patch 1: bpf_kptr_xchg while a bpf_spin_lock is held, on an OWNING
 * node (returned by bpf_rbtree_remove). Loads on levels lock, nonown, full; earlier kernels
 * reject it with "function calls are not allowed while holding a lock".
 * Uses bpf_rbtree_first (not the walk kfuncs) so it also answers on nowalk kernels. */
#include "kptrlab.h"

KL_TREE(PL, pl_lock, pl_root, kl_node, rb);
KL_KEEP_TYPE(PL, kl_payload);

static bool pl_less(struct bpf_rb_node *a, const struct bpf_rb_node *b)
{
	return container_of(a, struct kl_node, rb)->key <
	       container_of(b, struct kl_node, rb)->key;
}

SEC("tc")
KL_DESC("probe: kptr_xchg on an owning node while the lock is held (patch 1)")
int probe_xchg_under_lock(struct __sk_buff *skb)
{
	struct kl_payload *p = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&pl_lock);
	rb = bpf_rbtree_first(&pl_root);
	if (!rb) {
		bpf_spin_unlock(&pl_lock);
		return KL_TC_OK;
	}
	rb = bpf_rbtree_remove(&pl_root, rb);
	if (!rb) {
		bpf_spin_unlock(&pl_lock);
		return KL_TC_OK;
	}
	n = container_of(rb, struct kl_node, rb);
	p = bpf_kptr_xchg(&n->payload, p);	/* the probed call: owning node, lock held */
	bpf_rbtree_add(&pl_root, &n->rb, pl_less);
	bpf_spin_unlock(&pl_lock);
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

char _license[] SEC("license") = "GPL";
