package dev.drover.master.controller.statefulset;

import dev.drover.api.v1.Kind;
import dev.drover.api.v1.PersistentVolumeClaim;
import dev.drover.api.v1.StatefulSet;
import dev.drover.master.controller.ObjectCache;
import dev.drover.master.controller.ObjectWriter;
import dev.drover.master.controller.WriteException;
import dev.drover.master.events.EventRecorder;

/**
 * The claims side of creating a stateful pod (Kubernetes' StatefulPodControl): before pod {@code i}
 * is created, each of its claims {@code <template>-<set>-<i>} that does not exist yet is created.
 * Claims are never deleted here: they outlive their pod, across rescheduling and scale-down, so
 * that a pod coming back under the same name finds its data.
 */
final class StatefulPodControl {
  private final ObjectCache cache;
  private final ObjectWriter writer;
  private final EventRecorder events;

  StatefulPodControl(ObjectCache cache, ObjectWriter writer, EventRecorder events) {
    this.cache = cache;
    this.writer = writer;
    this.events = events;
  }

  /** Creates the missing claims of pod {@code ordinal}; a claim created meanwhile is fine. */
  void createMissingClaims(StatefulSet set, int ordinal) {
    for (PersistentVolumeClaim claim : StatefulIdentity.claims(set, ordinal)) {
      String name = claim.getMetadata().getName();
      if (cache
          .get(Kind.KIND_PERSISTENT_VOLUME_CLAIM, claim.getMetadata().getNamespace(), name)
          .isPresent()) {
        continue;
      }
      try {
        writer.create(claim);
        events.normal(
            set,
            "SuccessfulCreate",
            "create Claim "
                + name
                + " Pod "
                + StatefulIdentity.podName(set, ordinal)
                + " in StatefulSet "
                + set.getMetadata().getName()
                + " success");
      } catch (WriteException e) {
        if (e.reason() != WriteException.Reason.ALREADY_EXISTS) {
          events.warning(
              set, "FailedCreate", "create Claim " + name + " failed: " + e.getMessage());
          throw e;
        }
      }
    }
  }
}
