package dev.drover.master.controller;

import dev.drover.api.v1.PropagationPolicy;
import java.util.Optional;

/**
 * Options of a delete issued by a controller, mirroring the API's DeleteRequest.
 *
 * @param propagation what happens to dependents
 * @param gracePeriodSeconds grace period for a pod's containers; empty uses the pod's own
 * @param uid when present, the delete only proceeds if the object still has this uid
 */
public record DeleteOptions(
    PropagationPolicy propagation, Optional<Long> gracePeriodSeconds, Optional<String> uid) {

  /** Background propagation, the object's own grace period, no precondition. */
  public static DeleteOptions background() {
    return new DeleteOptions(
        PropagationPolicy.PROPAGATION_POLICY_BACKGROUND, Optional.empty(), Optional.empty());
  }

  /** Background propagation, guarded by the uid the controller saw. */
  public static DeleteOptions withUid(String uid) {
    return new DeleteOptions(
        PropagationPolicy.PROPAGATION_POLICY_BACKGROUND, Optional.empty(), Optional.of(uid));
  }

  /** The same options with another propagation policy. */
  public DeleteOptions propagation(PropagationPolicy policy) {
    return new DeleteOptions(policy, gracePeriodSeconds, uid);
  }
}
