#include <gtest/gtest.h>

#include "format/gojson.h"
#include "format/index_decode.h"
#include "format/repo_files.h"
#include "format/snapshot.h"
#include "format/tree.h"
#include "format/tree_decode.h"
#include "util/hex.h"

namespace hort {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  gojson::AppendString(&out, s);
  return out;
}

TEST(GoJson, EscapesLikeEncodingJson) {
  EXPECT_EQ(Json("a<b>&c"), "\"a\\u003cb\\u003e\\u0026c\"");
  EXPECT_EQ(Json("q\"\\\n\t\r"), "\"q\\\"\\\\\\n\\t\\r\"");
  EXPECT_EQ(Json(std::string("\x01\x08", 2)), "\"\\u0001\\u0008\"");
  EXPECT_EQ(Json("\xe2\x80\xa8"), "\"\\u2028\"");
  EXPECT_EQ(Json("\xff"), "\"\\ufffd\"");
  EXPECT_EQ(Json("ä€"), "\"ä€\"");
}

TEST(GoJson, QuoteLikeStrconv) {
  EXPECT_EQ(gojson::QuoteInner("plain"), "plain");
  EXPECT_EQ(gojson::QuoteInner("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(gojson::QuoteInner("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(gojson::QuoteInner("tab\there\n"), "tab\\there\\n");
  EXPECT_EQ(gojson::QuoteInner(std::string("\x01\x7f", 2)), "\\x01\\x7f");
  EXPECT_EQ(gojson::QuoteInner("ünï"), "ünï");
  EXPECT_EQ(gojson::QuoteInner("\xc2\xa0"), "\\u00a0");
  EXPECT_EQ(gojson::QuoteInner("\xef\xbb\xbf"), "\\ufeff");
  for (std::string s : {std::string("\xff\x01x\"y\\z\xc2\xa0\xf0\x9f\x98\x80"), std::string("a\tb")}) {
    auto back = gojson::UnquoteInner(gojson::QuoteInner(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, s);
  }
}

TEST(GoJson, Rfc3339Nano) {
  EXPECT_EQ(gojson::FormatRfc3339Nano({1764135023, 301561392, 0}), "2025-11-26T05:30:23.301561392Z");
  EXPECT_EQ(gojson::FormatRfc3339Nano({1764135023, 300000000, 3600}), "2025-11-26T06:30:23.3+01:00");
  EXPECT_EQ(gojson::FormatRfc3339Nano({0, 0, -5 * 3600}), "1969-12-31T19:00:00-05:00");
  auto t = gojson::ParseRfc3339("2025-11-26T06:30:23.3+01:00");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->sec, 1764135023);
  EXPECT_EQ(t->nsec, 300000000);
  EXPECT_EQ(t->offset, 3600);
  EXPECT_FALSE(gojson::ParseRfc3339("yesterday").ok());
}

// A tree restic 0.14 wrote (see tests/e2e): re-encoding must give the same bytes.
TEST(Tree, RoundTripsResticBytes) {
  std::string restic =
      R"({"nodes":[{"name":"a.txt","type":"file","mode":420,"mtime":"2026-11-26T05:30:20.914440051Z",)"
      R"("atime":"2026-11-26T05:30:20.914440051Z","ctime":"2026-11-26T05:30:20.922440051Z","uid":0,"gid":0,)"
      R"("user":"root","group":"root","inode":10952805,"device_id":65024,"size":6,"links":2,)"
      R"("extended_attributes":[{"name":"user.foo","value":"YmFy"}],)"
      R"("content":["5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"]},)"
      R"({"name":"fifo","type":"fifo","mode":33554852,"mtime":"2026-11-26T05:30:20.918440051Z",)"
      R"("atime":"2026-11-26T05:30:20.918440051Z","ctime":"2026-11-26T05:30:20.918440051Z","uid":0,)"
      R"("gid":0,"user":"root","group":"root","inode":10952807,"device_id":65024,"content":null},)"
      R"({"name":"sub","type":"dir","mode":2147484141,"mtime":"2026-11-26T05:30:20.914440051Z",)"
      R"("atime":"2026-11-26T05:30:20.914440051Z","ctime":"2026-11-26T05:30:20.914440051Z","uid":0,)"
      R"("gid":0,"user":"root","group":"root","inode":10952804,"device_id":65024,"content":null,)"
      R"("subtree":"ac08ce34ba4f8123618661bef2425f7028ffb9ac740578a3ee88684d2523fee8"}]})"
      "\n";
  auto nodes = DecodeTree(restic);
  ASSERT_TRUE(nodes.ok()) << nodes.status().message();
  ASSERT_EQ(nodes->size(), 3u);
  EXPECT_EQ((*nodes)[0].xattrs[0].value, "bar");
  EXPECT_EQ(EncodeTree(*nodes), restic);
}

// Every field hort writes survives a decode and re-encode byte for byte,
// on the SAX path and on the DOM path a tree with generic_attributes takes.
TEST(Tree, RoundTripsEveryFieldOnBothDecodePaths) {
  Node link;
  link.name = std::string("l\xff\"nk\\", 6);
  link.type = "symlink";
  link.mode = 134218239;
  link.mtime = {1764135023, 914440051, 3600};
  link.uid = 1000;
  link.gid = 100;
  link.user = "ü";
  link.inode = 1ull << 40;
  link.links = 1;
  link.linktarget = std::string("t\xfe", 2);
  link.error = "lstat: permission denied";
  Node dev;
  dev.name = "dev";
  dev.type = "chardev";
  dev.device = 259;
  dev.xattrs = {{"security.selinux", std::string("a\0b", 3)}, {"user.x", ""}};
  for (bool generic : {false, true}) {
    dev.generic_attributes_json = generic ? R"({"windows.attributes":"AQ=="})" : "";
    std::string text = EncodeTree({dev, link});
    auto nodes = DecodeTree(text);
    ASSERT_TRUE(nodes.ok()) << nodes.status().message();
    EXPECT_EQ(EncodeTree(*nodes), text) << "generic_attributes: " << generic;
    EXPECT_EQ((*nodes)[1].linktarget, link.linktarget);
    EXPECT_EQ((*nodes)[1].name, link.name);
    EXPECT_EQ((*nodes)[0].xattrs, dev.xattrs);
  }
}

TEST(Tree, DecodesAnyFieldOrderAndSkipsUnknownFields) {
  const std::string id(64, 'e');
  std::string text = R"({"future":[{"a":[]}],"nodes":[{"content":[")" + id + R"("],"new":{"x":{"y":[1]}},)"
                     R"("linktarget_raw":"dGFyZ2V0","linktarget":"ignored","size":7,"name":"f","type":"file",)"
                     R"("extended_attributes":[{"value":"dg==","later":{"z":1},"name":"user.k"}],"mtime":null}]})";
  auto nodes = DecodeTree(text);
  ASSERT_TRUE(nodes.ok()) << nodes.status().message();
  ASSERT_EQ(nodes->size(), 1u);
  const Node& n = (*nodes)[0];
  EXPECT_EQ(n.name, "f");
  EXPECT_EQ(n.size, 7u);
  EXPECT_EQ(n.linktarget, "target");
  ASSERT_EQ(n.content.size(), 1u);
  EXPECT_EQ(n.content[0].Hex(), id);
  ASSERT_EQ(n.xattrs.size(), 1u);
  EXPECT_EQ(n.xattrs[0].name, "user.k");
  EXPECT_EQ(n.xattrs[0].value, "v");
  EXPECT_TRUE(DecodeTree(R"({"nodes":null})").ok());
  EXPECT_TRUE(DecodeTree(R"({})")->empty());
}

TEST(Tree, RejectsBrokenTrees) {
  const std::string broken[] = {
      "",
      "[]",
      R"({"nodes":{}})",
      R"({"nodes":"x"})",
      R"({"nodes":[1]})",
      R"({"nodes":[{"name":1}]})",
      R"({"nodes":[{"size":"big"}]})",
      R"({"nodes":[{"mtime":"yesterday"}]})",
      R"({"nodes":[{"mtime":{}}]})",
      R"({"nodes":[{"content":[1]}]})",
      R"({"nodes":[{"content":["zz"]}]})",
      R"({"nodes":[{"subtree":"zz"}]})",
      R"({"nodes":[{"subtree":[]}]})",
      R"({"nodes":[{"linktarget_raw":"***"}]})",
      R"({"nodes":[{"extended_attributes":[{"name":"a","value":"***"}]}]})",
      R"({"nodes":[{"extended_attributes":[3]}]})",
      R"({"nodes":[{"name":"a"}]})" "}",
      R"({"nodes":[{"name":"a"})",
  };
  for (const std::string& text : broken) {
    auto nodes = DecodeTree(text);
    EXPECT_FALSE(nodes.ok()) << text;
    if (!nodes.ok()) {
      EXPECT_EQ(nodes.status().code(), Code::kCorruption) << text;
    }
  }
}

// The fast decoder (simdjson) must decide the trees restic and hort write,
// and wherever it decides, agree with the reference decoder exactly; where
// the reference fails it must decline, so the reference's message stands.
TEST(Tree, FastDecoderAgreesWithTheReference) {
  const std::string id(64, 'e');
  const std::string decided[] = {
      R"({"nodes":[{"name":"a.txt","type":"file","mode":420,"mtime":"2026-11-26T05:30:20.914440051Z",)"
      R"("atime":"2026-11-26T05:30:20.914440051+01:00","uid":0,"gid":0,"user":"root","inode":10952805,)"
      R"("device_id":65024,"size":6,"links":2,"extended_attributes":[{"name":"user.foo","value":"YmFy"}],)"
      R"("content":[")" + id + R"("]},{"name":"sub","type":"dir","content":null,"subtree":")" + id + R"("}]})" "\n",
      R"({"nodes":null})",
      R"({})",
      R"({"future":[{"a":[]}],"x":1,"nodes":[]})",
      // Repeated keys: the last scalar wins, arrays append.
      R"({"nodes":[{"name":"a","name":"b","size":1,"size":2,"content":[")" + id + R"("],"content":[")" + id +
          R"("]}],"nodes":[{"name":"c"}]})",
      // Numbers as the reference converts them: floats truncated, negatives wrapped.
      R"({"nodes":[{"size":7.9,"uid":-1,"mode":1e3,"inode":18446744073709551615,"links":-0}]})",
      // Objects and arrays where a scalar belongs are skipped; bools in unknown fields ignored.
      R"({"nodes":[{"name":{"x":1},"type":[1],"size":{},"content":true,"extended_attributes":{"a":1},)"
      R"("unknown":false,"linktarget_raw":5,"error":null}]})",
      // linktarget_raw wins over linktarget, whichever comes first.
      R"({"nodes":[{"linktarget":"a","linktarget_raw":"Yg=="},{"linktarget_raw":"Yg==","linktarget":"a"}]})",
      // Escapes: keys and values unescaped, NUL and surrogate pairs kept.
      R"({"nodes":[{"n\u0061me":"a\u0000\ud83d\ude00\"","user":"\u00fc","group":"\/"}]})",
      // Xattrs: objects and arrays inside one are skipped, null is the default.
      R"({"nodes":[{"extended_attributes":[{"name":"user.a","value":null,"x":[1]},{}]}]})",
  };
  for (const std::string& text : decided) {
    std::vector<Node> fast;
    ASSERT_TRUE(DecodeTreeFast(text, &fast)) << text;
    auto reference = DecodeTreeReference(text);
    ASSERT_TRUE(reference.ok()) << text << ": " << reference.status().message();
    EXPECT_EQ(fast, *reference) << text;
  }
  const std::string declined[] = {
      "",
      "[]",
      "\xEF\xBB\xBF{}",  // a byte-order mark: nlohmann skips it, so the reference decides
      R"({"nodes":{}})",
      R"({"nodes":[1]})",
      R"({"nodes":[[]]})",
      R"({"nodes":[{"name":true}]})",
      R"({"nodes":[{"size":"big"}]})",
      R"({"nodes":[{"size":1e400}]})",
      R"({"nodes":[{"size":18446744073709551616}]})",
      R"({"nodes":[{"mtime":"yesterday"}]})",
      R"({"nodes":[{"ctime":[]}]})",
      R"({"nodes":[{"content":{}}]})",
      R"({"nodes":[{"content":[null]}]})",
      R"({"nodes":[{"subtree":"zz"}]})",
      R"({"nodes":[{"linktarget_raw":"Yg==","linktarget":1}]})",
      R"({"nodes":[{"name":"a\ud800"}]})",
      R"({"nodes":[{"generic_attributes":{"windows.attributes":"AQ=="}}]})",
      R"({"nodes":[{"extended_attributes":[3]}]})",
      R"({"nodes":[{"extended_attributes":[{"name":1}]}]})",
      "{\"nodes\":[{\"name\":\"\xff\"}]}",
      R"({"nodes":[]} x)",
  };
  for (const std::string& text : declined) {
    std::vector<Node> fast;
    EXPECT_FALSE(DecodeTreeFast(text, &fast)) << text;
  }
  // Encoded trees of every field are decided by the fast decoder too.
  Node n;
  n.name = std::string("l\xff\"nk\\", 6);
  n.type = "symlink";
  n.linktarget = std::string("t\xfe", 2);
  n.xattrs = {{"security.selinux", std::string("a\0b", 3)}};
  n.mtime = {1764135023, 914440051, 3600};
  const std::string text = EncodeTree({n});
  std::vector<Node> fast;
  ASSERT_TRUE(DecodeTreeFast(text, &fast));
  ASSERT_EQ(fast.size(), 1u);
  EXPECT_EQ(fast[0], n);
}

TEST(Tree, UnsafeNames) {
  EXPECT_TRUE(IsUnsafeNodeName(".."));
  EXPECT_TRUE(IsUnsafeNodeName("."));
  EXPECT_TRUE(IsUnsafeNodeName("a/b"));
  EXPECT_TRUE(IsUnsafeNodeName(""));
  EXPECT_FALSE(IsUnsafeNodeName("..."));
}

TEST(GoMode, Conversion) {
  EXPECT_EQ(GoModeFromPosix(040755), 2147484141u);
  EXPECT_EQ(GoModeFromPosix(0120777), 134218239u);
  EXPECT_EQ(GoModeFromPosix(010644), 33554852u);
  EXPECT_EQ(PosixPermFromGoMode(GoModeFromPosix(0104755)), 04755u);
}

TEST(Index, RoundTrip) {
  IndexFile idx;
  IndexPack p;
  p.id = Id::Hash(AsBytes("pack"));
  p.blobs.push_back({Id::Hash(AsBytes("b")), BlobType::kTree, 0, 54, 13});
  p.blobs.push_back({Id::Hash(AsBytes("c")), BlobType::kData, 54, 40, 0});
  idx.packs.push_back(p);
  auto back = DecodeIndex(EncodeIndex(idx));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeIndex(*back), EncodeIndex(idx));
  EXPECT_NE(EncodeIndex(idx).find("\"uncompressed_length\":13"), std::string::npos);
  EXPECT_FALSE(DecodeIndex("{\"packs\":[{\"id\":\"zz\"}]}").ok());
}

// restic writes fields in its own order and may add fields; the decoder
// must take any order, skip what it does not know and reject what is broken.
TEST(Index, DecodesAnyFieldOrderAndSkipsUnknownFields) {
  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c'), s(64, 'd');
  std::string text = R"({"future":{"x":[1,{"y":null}]},"packs":[{"blobs":[{"uncompressed_length":9,"length":40,)"
                     R"("offset":7,"type":"tree","extra":[[]],"id":")" + b + R"("},{"id":")" + c +
                     R"(","type":"data","offset":47,"length":3,"uncompressed_length":null}],"id":")" + a +
                     R"("},{"id":")" + c + R"(","blobs":null}],"supersedes":[")" + s + R"("]})";
  auto idx = DecodeIndex(text);
  ASSERT_TRUE(idx.ok()) << idx.status().ToString();
  ASSERT_EQ(idx->packs.size(), 2u);
  EXPECT_EQ(idx->packs[0].id.Hex(), a);
  ASSERT_EQ(idx->packs[0].blobs.size(), 2u);
  const IndexBlob& first = idx->packs[0].blobs[0];
  EXPECT_EQ(first.id.Hex(), b);
  EXPECT_EQ(first.type, BlobType::kTree);
  EXPECT_EQ(first.offset, 7u);
  EXPECT_EQ(first.length, 40u);
  EXPECT_EQ(first.uncompressed_length, 9u);
  EXPECT_EQ(idx->packs[0].blobs[1].type, BlobType::kData);
  EXPECT_EQ(idx->packs[0].blobs[1].uncompressed_length, 0u);
  EXPECT_TRUE(idx->packs[1].blobs.empty());
  ASSERT_EQ(idx->supersedes.size(), 1u);
  EXPECT_EQ(idx->supersedes[0].Hex(), s);
}

TEST(Index, RejectsBrokenIndexes) {
  const std::string a(64, 'a');
  const std::string blob = R"({"id":")" + a + R"(","type":"data","offset":0,"length":1})";
  ASSERT_TRUE(DecodeIndex(R"({"packs":[{"id":")" + a + R"(","blobs":[)" + blob + "]}]}").ok());
  const std::string broken[] = {
      "",
      "[]",
      "42",
      "{}",
      R"({"packs":{}})",
      R"({"packs":[1]})",
      R"({"packs":[{"blobs":[]}]})",
      R"({"packs":[{"id":")" + a + R"("}]})",
      R"({"packs":[{"id":"zz","blobs":[]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":0}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"lump","offset":0,"length":1}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":-1,"length":1}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":4294967296,"length":1}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[)" + blob + "]}]",
      R"({"packs":[{"id":")" + a + R"(","blobs":[)" + blob + "]}]} trailing",
      R"({"supersedes":[1],"packs":[]})",
  };
  for (const std::string& text : broken) {
    auto idx = DecodeIndex(text);
    EXPECT_FALSE(idx.ok()) << text;
    if (!idx.ok()) {
      EXPECT_EQ(idx.status().code(), Code::kCorruption) << text;
    }
  }
}

// As for trees: the fast index decoder decides index files as restic and
// hort write them, agrees with the reference wherever it decides, and
// declines wherever the reference fails.
TEST(Index, FastDecoderAgreesWithTheReference) {
  const std::string a(64, 'a'), b(64, 'b');
  const std::string blob = R"({"id":")" + a + R"(","type":"data","offset":0,"length":1})";
  const std::string decided[] = {
      R"({"supersedes":[")" + b + R"("],"packs":[{"id":")" + a + R"(","blobs":[)" + blob +
          R"(,{"id":")" + b + R"(","type":"tree","offset":1,"length":4294967295,"uncompressed_length":9}]}]})",
      R"({"packs":null})",
      R"({"packs":[]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":null}]})",
      // Any whitespace, any order of keys, upper-case hex.
      " {\n \"packs\" : [ {\"blobs\":[{\"length\":7 ,\t\"offset\":0,\"uncompressed_length\":null,\r\"type\":"
      "\"tree\",\"id\":\"" + std::string(64, 'A') + "\"}], \"id\":\"" + b + "\"}]\n,\"supersedes\":[]}\n",
  };
  for (const std::string& text : decided) {
    IndexFile fast;
    ASSERT_TRUE(DecodeIndexFast(text, &fast)) << text;
    auto reference = DecodeIndexReference(text);
    ASSERT_TRUE(reference.ok()) << text << ": " << reference.status().message();
    EXPECT_EQ(fast, *reference) << text;
  }
  // Valid index files of shapes no writer produces: the reference decodes
  // them; the fast decoder declines (it never guesses).
  const std::string left_to_the_reference[] = {
      // Unknown fields, containers where a scalar belongs, ignored supersedes.
      R"({"x":[1],"supersedes":7,"packs":[{"id":")" + a + R"(","size":[],"blobs":[{"id":")" + a +
          R"(","type":"data","offset":0,"length":1,"uncompressed_length":null,"more":{"a":1},"id2":[]}]}]})",
      // Repeated keys: the last scalar wins, arrays append.
      R"({"packs":[{"id":")" + b + R"(","id":")" + a + R"(","blobs":[)" + blob + R"(],"blobs":[)" + blob +
          R"(]}],"packs":[{"id":")" + b + R"(","blobs":[{"offset":5,"id":")" + a +
          R"(","type":"tree","length":2,"offset":-0}]}]})",
      // An escape in a string; a signed zero.
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"d\u0061ta","offset":0,"length":1}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":-0,"length":1}]}]})",
  };
  for (const std::string& text : left_to_the_reference) {
    IndexFile fast;
    EXPECT_FALSE(DecodeIndexFast(text, &fast)) << text;
    EXPECT_TRUE(DecodeIndexReference(text).ok()) << text;
  }
  const std::string declined[] = {
      "{}",
      R"({"packs":{}})",
      R"({"packs":[[]]})",
      R"({"packs":[{"id":null,"blobs":[]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":{}}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":0,"length":1.0}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":null,"offset":0,"length":1}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":{},"type":"data","offset":0,"length":1}]}]})",
      R"({"supersedes":[null],"packs":[]})",
      // Not JSON, or beyond the format: leading zeros, 2^32, text after the
      // object, a raw control character, a cut end.
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":01,"length":1}]}]})",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":4294967296,"length":1}]}]})",
      R"({"packs":[]} x)",
      "{\"packs\":[{\"id\":\"" + a + "\",\"blobs\":[{\"id\":\"" + a + "\",\"type\":\"da\tta\",\"offset\":0,\"length\":1}]}]}",
      R"({"packs":[{"id":")" + a + R"(","blobs":[{"id":")" + a + R"(","type":"data","offset":0,"length":1})",
  };
  for (const std::string& text : declined) {
    IndexFile fast;
    EXPECT_FALSE(DecodeIndexFast(text, &fast)) << text;
    EXPECT_FALSE(DecodeIndexReference(text).ok()) << text;
  }
}

TEST(Config, PolynomialHex) {
  auto c = DecodeConfig(R"({"version":2,"id":"ab","chunker_polynomial":"26626a95decded"})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->chunker_polynomial, 0x26626a95decdedull);
  EXPECT_NE(EncodeConfig(*c).find("\"26626a95decded\""), std::string::npos);
}

// Found by fuzz/config ("version": 2e57 was undefined behaviour in the cast
// to int). Go's json.Unmarshal, restic's reader, refuses these numbers too.
TEST(RepoFiles, NumbersOutOfRangeAreCorruption) {
  const std::string id = R"("id":"ab","chunker_polynomial":"26626a95decded")";
  for (const char* v : {"2e57", "2.5", "-2e57", "2147483648", "-2147483649", "18446744073709551616"}) {
    auto c = DecodeConfig(std::string(R"({"version":)") + v + "," + id + "}");
    ASSERT_FALSE(c.ok()) << v;
    EXPECT_EQ(c.status().code(), Code::kCorruption) << v;
  }
  EXPECT_TRUE(DecodeConfig(R"({"version":2,)" + id + "}").ok());

  const std::string key_tail = R"(,"salt":"","data":""})";
  for (const char* nrp : {R"("N":1e300,"r":8,"p":1)", R"("N":-1,"r":8,"p":1)", R"("N":32768,"r":4294967296,"p":1)",
                          R"("N":32768,"r":8,"p":-1)", R"("N":32768,"r":8.5,"p":1)"}) {
    auto k = DecodeKeyFile(std::string("{") + nrp + key_tail);
    ASSERT_FALSE(k.ok()) << nrp;
    EXPECT_EQ(k.status().code(), Code::kCorruption) << nrp;
  }
  auto k = DecodeKeyFile(R"({"N":18446744073709551615,"r":4294967295,"p":1)" + key_tail);
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  EXPECT_EQ(k->r, 4294967295u);

  const std::string lock = R"({"time":"2026-12-04T14:35:03Z",)";
  for (const char* f : {R"("pid":1e300})", R"("uid":-1})", R"("gid":4294967296})", R"("pid":9223372036854775808})"}) {
    EXPECT_FALSE(DecodeLock(lock + f).ok()) << f;
  }
  auto l = DecodeLock(lock + R"("pid":-5,"uid":4294967295,"gid":null})");
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->pid, -5);
  EXPECT_EQ(l->uid, 4294967295u);

  Snapshot s;
  s.time = {1764135023, 5, 0};
  s.tree = Id::Hash(AsBytes("t"));
  std::string text = EncodeSnapshot(s);
  for (const char* f : {R"("uid":1e300,)", R"("uid":-1,)", R"("summary":{"files_new":1e300},)",
                        R"("summary":{"data_added":-1},)"}) {
    std::string bad = "{" + std::string(f) + text.substr(1);
    auto d = DecodeSnapshot(bad);
    ASSERT_FALSE(d.ok()) << bad;
    EXPECT_EQ(d.status().code(), Code::kCorruption) << bad;
  }
}

TEST(Snapshot, RoundTrip) {
  Snapshot s;
  s.time = {1764135023, 5, 0};
  s.tree = Id::Hash(AsBytes("t"));
  s.paths = {"/data/x"};
  s.hostname = "ns";
  s.tags = {"a"};
  s.summary = SnapshotSummary{};
  s.summary->files_new = 3;
  auto back = DecodeSnapshot(EncodeSnapshot(s));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(EncodeSnapshot(*back), EncodeSnapshot(s));
  EXPECT_EQ(back->summary->files_new, 3u);
}

TEST(Snapshot, ASeriesIsOneHostAndOneSetOfPaths) {
  Snapshot s;
  s.hostname = "ns";
  s.paths = {"/b", "/a"};
  EXPECT_TRUE(InSeries(s, "ns", {"/a", "/b"}));
  EXPECT_FALSE(InSeries(s, "other", {"/a", "/b"}));
  EXPECT_FALSE(InSeries(s, "ns", {"/a"}));
  EXPECT_FALSE(InSeries(s, "ns", {"/a", "/c"}));
}

// generic_attributes takes the DOM path and is written back by a recursive
// dump(): a blob nested 200,000 levels deep overflowed the stack (issue #25).
TEST(Tree, GenericAttributesNestedTooDeepAreCorruptionNotACrash) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  auto nodes = DecodeTree(R"({"nodes":[{"name":"a","type":"file","generic_attributes":)" + deep + "}]}");
  EXPECT_EQ(nodes.status().code(), Code::kCorruption);
  EXPECT_NE(nodes.status().message().find("nested deeper than 256 levels"), std::string::npos) << nodes.status().message();
  const std::string fine = std::string(20, '[') + "\"[{\\\"\"" + std::string(20, ']');  // brackets in a string do not count
  auto ok = DecodeTree(R"({"nodes":[{"name":"a","type":"file","generic_attributes":)" + fine + "}]}");
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->at(0).generic_attributes_json, fine);
}


// restic's TagList.Set and Snapshot.HasTags: `--tag ''` is one empty tag and
// selects only snapshots without tags (forget removing tagged snapshots
// under it would remove what restic keeps).
TEST(TagList, ParsedAndMatchedAsRestic) {
  EXPECT_EQ(ParseTagList(""), std::vector<std::string>{""});
  EXPECT_EQ(ParseTagList(" a , b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ParseTagList("a,"), (std::vector<std::string>{"a", ""}));
  const std::vector<std::string> none, tagged = {"a", "b"};
  auto satisfies = [](const std::vector<std::string>& carried, const std::string& value) {
    return SatisfiesTagList(carried, ParseTagList(value));
  };
  EXPECT_TRUE(satisfies(none, ""));
  EXPECT_FALSE(satisfies(tagged, ""));
  EXPECT_TRUE(satisfies(tagged, "a"));
  EXPECT_TRUE(satisfies(tagged, "b, a"));
  EXPECT_FALSE(satisfies(tagged, "a,c"));
  EXPECT_FALSE(satisfies(none, "a"));
  // An empty tag counts only where it comes before a missing one.
  EXPECT_TRUE(satisfies(none, ",a"));
  EXPECT_FALSE(satisfies(none, "a,"));
  EXPECT_FALSE(satisfies(tagged, "a,"));
}

}  // namespace
}  // namespace hort
