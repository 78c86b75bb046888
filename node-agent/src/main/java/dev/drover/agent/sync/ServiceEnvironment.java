package dev.drover.agent.sync;

import java.util.Map;

/**
 * The service discovery variables ({@code <NAME>_SERVICE_HOST}, {@code <NAME>_SERVICE_PORT}, ...) a
 * new container of a namespace gets, as Kubernetes sets them for the services that exist when the
 * container is created. The node's service proxy supplies them; without one there are none.
 */
@FunctionalInterface
public interface ServiceEnvironment {
  /** No services. */
  ServiceEnvironment NONE = namespace -> Map.of();

  /** Variable name to value, for the services of {@code namespace}. */
  Map<String, String> forNamespace(String namespace);
}
