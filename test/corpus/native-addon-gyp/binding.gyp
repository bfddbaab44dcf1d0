{
  "targets": [
    { "target_name": "checksum", "sources": ["src/checksum.c"] }
  ]
}
