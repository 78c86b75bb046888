package dev.drover.master.wiring;

import dev.drover.master.controller.Controller;
import dev.drover.master.controller.ControllerContext;
import dev.drover.master.controller.daemonset.DaemonSetController;
import dev.drover.master.controller.deployment.DeploymentController;
import dev.drover.master.controller.endpoints.EndpointsController;
import dev.drover.master.controller.gc.GarbageCollector;
import dev.drover.master.controller.job.JobController;
import dev.drover.master.controller.namespace.NamespaceController;
import dev.drover.master.controller.node.NodeLifecycleController;
import dev.drover.master.controller.replicaset.ReplicaSetController;
import dev.drover.master.controller.statefulset.StatefulSetController;
import dev.drover.master.volume.VolumeBinder;
import java.util.List;

/** The standard set of controllers an active master runs. */
public final class Controllers {
  private Controllers() {}

  /**
   * Every controller with its default settings, registered on the context's cache. Create them when
   * the master becomes active (handlers are registered in the constructors) and run them with
   * {@code new ControllerManager(cache, Controllers.standard(context))}.
   */
  public static List<Controller> standard(ControllerContext context) {
    return List.of(
        new ReplicaSetController(context),
        new DeploymentController(context),
        new DaemonSetController(context),
        new JobController(context),
        new StatefulSetController(context),
        new VolumeBinder(context),
        new NodeLifecycleController(context),
        new EndpointsController(context),
        new GarbageCollector(context),
        new NamespaceController(context));
  }
}
