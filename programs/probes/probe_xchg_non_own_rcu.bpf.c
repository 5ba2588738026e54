// SPDX-License-Identifier: GPL-2.0
/* Capability probe for patch 4: bpf_kptr_xchg on a non-owning reference to a REFCOUNTED node
 * (struct bpf_refcount makes the ref PTR_TO_BTF_ID|MEM_ALLOC|NON_OWN_REF|MEM_RCU) under the
 * lock. Loads on level full only. */
#include "kptrlab.h"

KL_TREE(PR, pr_lock, pr_root, kl_rc_node, rb);
KL_KEEP_TYPE(PR, kl_payload);

SEC("tc")
KL_DESC("probe: kptr_xchg on a non-owning refcounted (MEM_RCU) node under the lock (patch 4)")
int probe_xchg_non_own_rcu(struct __sk_buff *skb)
{
	struct kl_payload *p = NULL;
	struct bpf_rb_node *rb;
	struct kl_rc_node *n;

	bpf_spin_lock(&pr_lock);
	rb = bpf_rbtree_root(&pr_root);
	if (rb) {
		n = container_of(rb, struct kl_rc_node, rb);
		p = bpf_kptr_xchg(&n->payload, p);	/* the probed call */
		if (p)
			p = bpf_kptr_xchg(&n->payload, p);	/* put it back */
	}
	bpf_spin_unlock(&pr_lock);
	if (p)
		bpf_obj_drop(p);
	return KL_TC_OK;
}

char _license[] SEC("license") = "GPL";
