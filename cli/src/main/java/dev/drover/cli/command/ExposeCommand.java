package dev.drover.cli.command;

import dev.drover.cli.core.Cli;
import dev.drover.cli.core.CliException;
import dev.drover.cli.core.ResourceType;
import dev.drover.cli.core.Subject;
import dev.drover.cli.patch.TreeObjects;
import dev.drover.client.DroverClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code drover expose deployment|pod|replicaset|service NAME --port=P}: creates a Service
 * selecting the object's pods (the deployment's or replica set's selector, the pod's labels), as
 * kubectl expose does; without {@code --port} the first container port is used.
 */
@Command(
    name = "expose",
    mixinStandardHelpOptions = true,
    description = "Create a service for the pods of a deployment, pod, replica set or service.",
    footer = {
      "",
      "Examples:",
      "  drover expose deployment web --port=80 --target-port=8080",
      "  drover expose pod/web-1 --port=8080 --type=NodePort --name=web-direct"
    })
final class ExposeCommand extends ObjectCreation implements Callable<Integer> {

  @Mixin ObjectArgument exposed = new ObjectArgument();

  @Option(names = "--port", paramLabel = "PORT", description = "The service's port.")
  Integer port;

  @Option(
      names = "--target-port",
      paramLabel = "PORT",
      description = "The pods' port, a number or a port name (default: --port).")
  String targetPort;

  @Option(
      names = "--type",
      paramLabel = "TYPE",
      description = "ClusterIP (default), NodePort or LoadBalancer.")
  String type = "ClusterIP";

  @Option(names = "--name", paramLabel = "NAME", description = "Name of the service.")
  String serviceName;

  @Option(names = "--protocol", paramLabel = "PROTOCOL", description = "TCP (default) or UDP.")
  String protocol = "TCP";

  ExposeCommand(Cli cli) {
    super(cli);
  }

  @Override
  public Integer call() {
    Subject subject = exposed.subject(spec.commandLine());
    if (!List.of(
            ResourceType.DEPLOYMENT,
            ResourceType.POD,
            ResourceType.REPLICA_SET,
            ResourceType.SERVICE)
        .contains(subject.type())) {
      throw new ParameterException(
          spec.commandLine(),
          "cannot expose a "
              + subject.type().singular()
              + ": give a deployment, pod,"
              + " replicaset or service");
    }
    Map<String, java.lang.Object> read;
    try (DroverClient client = cli.connect()) {
      read =
          TreeObjects.tree(Resources.get(client, subject.type(), cli.namespace(), subject.name()));
    }
    Map<String, java.lang.Object> selector = selector(subject, read);
    Integer servicePort = port != null ? port : firstPort(subject, read);
    Map<String, java.lang.Object> portEntry = new LinkedHashMap<>();
    portEntry.put("protocol", protocol);
    portEntry.put("port", servicePort);
    if (targetPort != null) {
      portEntry.put(
          "targetPort", targetPort.matches("\\d+") ? Integer.parseInt(targetPort) : targetPort);
    }
    String name = serviceName != null ? serviceName : subject.name();
    Map<String, java.lang.Object> tree = manifest(ResourceType.SERVICE, "v1", name);
    Map<String, java.lang.Object> serviceSpec = new LinkedHashMap<>();
    serviceSpec.put("selector", selector);
    serviceSpec.put("ports", List.of(portEntry));
    serviceSpec.put("type", type);
    tree.put("spec", serviceSpec);
    return create(tree, "exposed");
  }

  /** The labels that select the object's pods, or an error in kubectl's words. */
  private static Map<String, java.lang.Object> selector(
      Subject subject, Map<String, java.lang.Object> tree) {
    Object found =
        switch (subject.type()) {
          case POD -> at(tree, "metadata", "labels");
          case SERVICE -> at(tree, "spec", "selector");
          default -> {
            if (at(tree, "spec", "selector", "matchExpressions") != null) {
              throw new CliException(
                  "couldn't retrieve selectors via --selector flag or introspection: the "
                      + subject.type().singular()
                      + " selects with matchExpressions, which a service cannot");
            }
            yield at(tree, "spec", "selector", "matchLabels");
          }
        };
    if (!(found instanceof Map<?, ?> labels) || labels.isEmpty()) {
      throw new CliException(
          "couldn't retrieve selectors via --selector flag or introspection: "
              + subject.type().plural()
              + " \""
              + subject.name()
              + "\" has no labels to select its pods by");
    }
    Map<String, java.lang.Object> out = new LinkedHashMap<>();
    labels.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  /** The first container port (or service port) of what is exposed. */
  private static Integer firstPort(Subject subject, Map<String, java.lang.Object> tree) {
    Object ports;
    if (subject.type() == ResourceType.SERVICE) {
      ports = at(tree, "spec", "ports");
    } else {
      Object podSpec =
          subject.type() == ResourceType.POD
              ? tree.get("spec")
              : at(tree, "spec", "template", "spec");
      ports = null;
      if (podSpec instanceof Map<?, ?> spec && spec.get("containers") instanceof List<?> cs) {
        for (Object c : cs) {
          if (c instanceof Map<?, ?> container && container.get("ports") instanceof List<?> ps) {
            ports = ps;
            break;
          }
        }
      }
    }
    if (ports instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> p) {
      Object number = p.get(subject.type() == ResourceType.SERVICE ? "port" : "containerPort");
      if (number instanceof Number n) {
        return n.intValue();
      }
    }
    throw new CliException("couldn't find port via --port flag or introspection: give --port");
  }

  private static Object at(Map<String, java.lang.Object> tree, String... path) {
    Object here = tree;
    for (String key : path) {
      if (!(here instanceof Map<?, ?> map)) {
        return null;
      }
      here = map.get(key);
    }
    return here;
  }
}
