"""The cage scanner agent: serial barcode and RFID readers -> local outbox -> Callsheet GraphQL mutations."""
