// SPDX-License-Identifier: GPL-2.0
/* Capability probe: does the kernel have the rbtree walk kfuncs (bpf_rbtree_root/left/right)?
 * Loads on levels base, lock, nonown, full. On a nowalk kernel libbpf cannot resolve the weak
 * kfunc and the load fails (the call is not guarded by bpf_ksym_exists on purpose). */
#include "kptrlab.h"

KL_TREE(PW, pw_lock, pw_root, kl_node, rb);
KL_KEEP_TYPE(PW, kl_payload);

SEC("tc")
KL_DESC("probe: bpf_rbtree_root callable under the lock (walk kfuncs present)")
int probe_walk(struct __sk_buff *skb)
{
	bpf_spin_lock(&pw_lock);
	bpf_rbtree_root(&pw_root);	/* the probed call; the non-owning result is unused */
	bpf_spin_unlock(&pw_lock);
	return KL_TC_OK;
}

char _license[] SEC("license") = "GPL";
