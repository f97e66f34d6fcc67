package io.locus.target.rpc;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.locus.target.Target;
import io.locus.target.config.ConfigException;

/**
 * Configuration methods. SPDK's {@code rpc.py save_config} builds the file on the client from
 * {@code framework_get_subsystems} and {@code framework_get_config} (python/spdk/rpc/__init__.py), and
 * {@code rpc.py load_config} replays it call by call; both work against Locus with these. Locus also answers
 * {@code save_config} (the whole file in one call) and {@code load_config} (params: the file's object) itself, for
 * clients without SPDK's Python package.
 */
public final class ConfigRpc {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private ConfigRpc() {
    }

    public static void register(RpcMethods methods, Target target) {
        methods.register("framework_get_subsystems", false, p -> {
            p.allowOnly();
            ArrayNode out = JSON.arrayNode();
            out.addObject().put("subsystem", "bdev").putArray("depends_on");
            out.addObject().put("subsystem", "nvmf").putArray("depends_on").add("bdev");
            return out;
        }).register("framework_get_config", false, p -> {
            p.allowOnly("name");
            String name = p.string("name");
            return switch (name) {
                case "bdev" -> SpdkJsonConfig.bdevConfig(target);
                case "nvmf" -> SpdkJsonConfig.nvmfConfig(target);
                default -> throw RpcException.invalidParams("'name': no subsystem '" + name + "' (bdev, nvmf)");
            };
        }).register("save_config", false, p -> {
            p.allowOnly();
            return SpdkJsonConfig.save(target);
        }).register("load_config", true, p -> {
            p.allowOnly("subsystems");
            try {
                SpdkJsonConfig.apply("load_config", p.json(), methods);
            } catch (ConfigException e) {
                throw RpcException.invalidParams(e.getMessage());
            }
            return BooleanNode.TRUE;
        });
    }
}
