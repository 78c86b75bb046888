package dev.drover.cli.output;

import dev.drover.api.ApiObjects;
import dev.drover.api.v1.CanaryStatus;
import dev.drover.api.v1.CanaryStrategy;
import dev.drover.api.v1.Deployment;
import dev.drover.cli.core.Durations;
import java.time.Duration;
import java.time.Instant;

/**
 * Where a Deployment's canary rollout stands, in words, for {@code rollout status} and {@code
 * describe}: the step reached out of how many, the new revision's pods at that step, and what the
 * rollout waits for (its pods, the pause's time left, or a promotion).
 */
public final class CanaryText {
  private CanaryText() {}

  /** The steps the controller stops at: those below the replica count (it skips the rest). */
  static int steps(Deployment d) {
    int replicas = d.getSpec().hasReplicas() ? d.getSpec().getReplicas() : 1;
    return (int)
        d.getSpec().getCanary().getStepsList().stream().filter(n -> n > 0 && n < replicas).count();
  }

  /** The step reached, e.g. "canary step 1 of 2 (2 pods of the new revision)". */
  public static String step(Deployment d) {
    CanaryStatus c = d.getStatus().getCanary();
    return "canary step "
        + (c.getCurrentStep() + 1)
        + " of "
        + steps(d)
        + " ("
        + c.getStepReplicas()
        + (c.getStepReplicas() == 1 ? " pod" : " pods")
        + " of the new revision)";
  }

  /** True when the rollout stands at a canary step until someone promotes it. */
  public static boolean awaitsPromotion(Deployment d) {
    CanaryStatus c = d.getStatus().getCanary();
    return d.getStatus().hasCanary()
        && c.getWaiting()
        && c.getCurrentStep() < steps(d)
        && !d.getSpec().getCanary().hasPauseSeconds();
  }

  /** The command that promotes the deployment's canary. */
  public static String promoteCommand(Deployment d) {
    String ns = d.getMetadata().getNamespace();
    return "drover rollout promote deployment/"
        + d.getMetadata().getName()
        + (ns.isEmpty() || ns.equals("default") ? "" : " -n " + ns);
  }

  /** One line on the canary rollout under way, or null when none is. */
  public static String describe(Deployment d, Instant now) {
    if (!d.getStatus().hasCanary() || !d.getSpec().hasCanary()) {
      return null;
    }
    CanaryStatus c = d.getStatus().getCanary();
    CanaryStrategy spec = d.getSpec().getCanary();
    int steps = steps(d);
    if (c.getCurrentStep() >= steps) {
      return "every canary step passed; rolling out to all " + c.getStepReplicas() + " pods";
    }
    String step = step(d);
    if (!c.getWaiting()) {
      return step + ": waiting for those pods to become available";
    }
    String promote = promoteCommand(d);
    if (!spec.hasPauseSeconds()) {
      return step + " reached: waiting for promotion (" + promote + ")";
    }
    Instant since = ApiObjects.instantOrNull(c.getPausedSince());
    Duration left =
        since == null
            ? Duration.ofSeconds(spec.getPauseSeconds())
            : Duration.between(now, since.plusSeconds(spec.getPauseSeconds()));
    return step
        + " reached: continues by itself in "
        + Durations.age(left)
        + " (or now with "
        + promote
        + ")";
  }
}
