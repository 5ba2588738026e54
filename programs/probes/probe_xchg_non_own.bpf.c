// SPDX-License-Identifier: GPL-2.0
/* Capability probe for patches 1+2: bpf_kptr_xchg on a NON-OWNING reference
 * (PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF, from bpf_rbtree_root) to a plain node under the lock.
 * Loads on levels nonown, full. base: lock message; lock: R1 type mismatch. */
#include "kptrlab.h"

KL_TREE(PN, pn_lock, pn_root, kl_node, rb);
KL_KEEP_TYPE(PN, kl_payload);

SEC("tc")
KL_DESC("probe: kptr_xchg on a non-owning plain node under the lock (patches 1+2)")
int probe_xchg_non_own(struct __sk_buff *skb)
{
	struct kl_payload *p = NULL;
	struct bpf_rb_node *rb;
	struct kl_node *n;

	bpf_spin_lock(&pn_lock);
	rb = bpf_rbtree_root(&pn_root);
	if (rb) {
		n = container_of(rb, struct kl_node, rb);
		p = bpf_kptr_xchg(&n->payload, p);	/* the probed call */
		if (p)
			p = bpf_kptr_xchg(&n->payload, p);	/* put it back */
	}
	bpf_spin_unlock(&pn_lock);
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

char _license[] SEC("license") = "GPL";
